using System.Data.Common;

namespace Umbra.Coordinator.Store;

/// <summary>Opens connections already set up for the store, and turns driver errors into <see cref="StoreException"/>.</summary>
internal interface IConnectionSource
{
    ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>A <see cref="StoreException"/> that says what failed, where, and why.</summary>
    StoreException Failure(string operation, DbException error);
}
