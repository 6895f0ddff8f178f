namespace Umbra.Coordinator.Store;

/// <summary>
/// The store cannot be used: its configuration is malformed, the database is unreachable or refuses the
/// login, the SQLite file is corrupt, or a query failed. The message names the problem and where (a file
/// path, or host, port and database); it never contains a password, an API key or request content.
/// </summary>
public sealed class StoreException : Exception
{
    public StoreException(string message) : base(message)
    {
    }

    public StoreException(string message, Exception inner) : base(message, inner)
    {
    }

    public StoreException()
    {
    }
}
