using System.Reflection;
using Umbra.Coordinator.Store;
using Xunit.Sdk;

namespace Umbra.Coordinator.Tests.Infrastructure;

/// <summary>The SQLite row of a store theory; it always runs.</summary>
public sealed class SqliteDataAttribute : DataAttribute
{
    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[StoreKind.Sqlite]];
}
