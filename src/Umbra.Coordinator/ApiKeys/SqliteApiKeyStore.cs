using System.Data.Common;
using System.Globalization;
using Umbra.Coordinator.Store;

namespace Umbra.Coordinator.ApiKeys;

/// <summary>API keys in SQLite: ids as UUID text (not the driver's default 16-byte blob), times as epoch milliseconds.</summary>
internal sealed class SqliteApiKeyStore(IConnectionSource connections) : SqlApiKeyStore(connections)
{
    protected override object IdValue(Guid id) => id.ToString("D", CultureInfo.InvariantCulture);

    protected override object TimeValue(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    protected override Guid ReadId(DbDataReader reader, int ordinal) => Guid.Parse(reader.GetString(ordinal), CultureInfo.InvariantCulture);

    protected override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));
}
