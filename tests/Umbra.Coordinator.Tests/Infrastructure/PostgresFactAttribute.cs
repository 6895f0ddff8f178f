namespace Umbra.Coordinator.Tests.Infrastructure;

/// <summary>A test that needs the PostgreSQL server: skipped without it, failed without it under CI=true.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute() => Skip = PostgresTestServer.SkipReason;
}
