using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Umbra.Coordinator.Store.Postgres;
using Umbra.Coordinator.Store.Sqlite;

namespace Umbra.Coordinator.Store;

/// <summary>Chooses and builds the store from configuration; nothing touches the database until first use.</summary>
public static class UmbraStoreFactory
{
    /// <exception cref="StoreException">The configuration is malformed; the message says how.</exception>
    public static IUmbraStore Create(StoreOptions options, TimeProvider? time = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var target = StoreTarget.Resolve(options);
        time ??= TimeProvider.System;
        loggerFactory ??= NullLoggerFactory.Instance;
        return target.Kind == StoreKind.Postgres
            ? new PostgresUmbraStore(target, time, loggerFactory)
            : new SqliteUmbraStore(target, time, loggerFactory);
    }
}
