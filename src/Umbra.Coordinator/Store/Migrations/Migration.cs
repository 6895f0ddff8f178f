namespace Umbra.Coordinator.Store.Migrations;

/// <summary>One numbered schema change, as SQL for one dialect.</summary>
internal sealed record Migration(int Version, string Name, string Sql);
