namespace Umbra.Coordinator.Store;

/// <summary>The database behind the store.</summary>
public enum StoreKind
{
    /// <summary>An embedded SQLite file: the default, nothing to set up.</summary>
    Sqlite,

    /// <summary>A PostgreSQL server: for production and several coordinator processes.</summary>
    Postgres,
}
