using System.Reflection;
using Umbra.Coordinator.Store;
using Xunit.Sdk;

namespace Umbra.Coordinator.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL row of a store theory. xunit 2 cannot skip at run time, so the skip is decided here, when
/// tests are discovered: skipped without UMBRA_TEST_POSTGRES, unless CI=true, where the row runs and fails.
/// </summary>
public sealed class PostgresDataAttribute : DataAttribute
{
    public PostgresDataAttribute() => Skip = PostgresTestServer.SkipReason;

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[StoreKind.Postgres]];
}
