using Microsoft.Extensions.Logging;

namespace Umbra.Coordinator.Store;

/// <summary>The store's log lines: where it is and what schema it has; never a connection string.</summary>
internal static partial class StoreLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Applied migration {Version} ({Name}) to {Store}")]
    public static partial void MigrationApplied(ILogger logger, int version, string name, string store);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Store {Store} is at schema version {Version}")]
    public static partial void SchemaCurrent(ILogger logger, string store, int version);
}
