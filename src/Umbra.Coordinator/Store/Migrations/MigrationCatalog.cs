using System.Globalization;
using System.Reflection;

namespace Umbra.Coordinator.Store.Migrations;

/// <summary>
/// The migrations compiled into this assembly, from <c>Store/Migrations/{Sqlite,Postgres}/NNNN_name.sql</c>.
/// Each dialect has its own files because the types differ (BLOB and epoch milliseconds in SQLite, bytea
/// and timestamptz in PostgreSQL); both must reach the same version with the same meaning.
/// </summary>
internal static class MigrationCatalog
{
    private const string ResourcePrefix = "Umbra.Coordinator.Migrations.";

    public static IReadOnlyList<Migration> For(StoreKind kind) => kind switch
    {
        StoreKind.Sqlite => Sqlite.Value,
        StoreKind.Postgres => Postgres.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown store kind."),
    };

    private static readonly Lazy<IReadOnlyList<Migration>> Sqlite = new(() => Load("Sqlite"));
    private static readonly Lazy<IReadOnlyList<Migration>> Postgres = new(() => Load("Postgres"));

    private static List<Migration> Load(string dialect)
    {
        var assembly = typeof(MigrationCatalog).Assembly;
        var prefix = ResourcePrefix + dialect + "/";
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(prefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
                continue;
            var file = resource[prefix.Length..^".sql".Length];
            var underscore = file.IndexOf('_', StringComparison.Ordinal);
            if (underscore <= 0 || !int.TryParse(file.AsSpan(0, underscore), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                throw new InvalidOperationException($"Migration resource '{resource}' is not named NNNN_name.sql.");
            migrations.Add(new Migration(version, file[(underscore + 1)..], Read(assembly, resource)));
        }
        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        // A gap or a duplicate means a file was lost or misnumbered in a merge: refuse to build a schema from it.
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
                throw new InvalidOperationException($"{dialect} migrations must be numbered 1, 2, 3... without gaps; found {migrations[i].Version} at position {i + 1}.");
        }
        return migrations.Count > 0 ? migrations : throw new InvalidOperationException($"No {dialect} migrations are embedded in the assembly.");
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
