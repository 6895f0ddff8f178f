namespace Umbra.Coordinator.Store.Migrations;

internal static class MigrationRules
{
    /// <summary>
    /// A database migrated by a newer build has tables this build does not know how to keep consistent:
    /// refuse to run on it rather than write rows that the newer schema's invariants do not expect.
    /// </summary>
    public static void EnsureNotNewer(IReadOnlyCollection<int> applied, IReadOnlyList<Migration> known, string store)
    {
        var newest = applied.Count == 0 ? 0 : applied.Max();
        if (newest > known.Count)
            throw new StoreException($"{store} is at schema version {newest}, newer than this build knows ({known.Count}); run a coordinator at least as new as the one that migrated it.");
    }
}
