using System.Data.Common;
using Umbra.Coordinator.Store;

namespace Umbra.Coordinator.ApiKeys;

/// <summary>API keys in PostgreSQL: native uuid and timestamptz.</summary>
internal sealed class PostgresApiKeyStore(IConnectionSource connections) : SqlApiKeyStore(connections)
{
    protected override object IdValue(Guid id) => id;

    // Npgsql writes timestamptz only from UTC values.
    protected override object TimeValue(DateTimeOffset time) => time.ToUniversalTime();

    protected override Guid ReadId(DbDataReader reader, int ordinal) => reader.GetGuid(ordinal);

    protected override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);
}
