using System.Collections.Concurrent;

namespace Umbra.Client.Trust;

/// <summary>
/// Trust on first use for self-signed providers: the first identity key this client sees for a provider id is
/// remembered, and a later bundle for that id signed by another identity key is refused. At trust level
/// self_signed nothing but the key ties a provider id to a machine, so without this a coordinator could mint its
/// own identity under a provider's name; with it, it can do so only before the client first meets that
/// provider. Kept in memory, and in a file (one "provider_id identity_key_hex" line each) when one is given.
/// </summary>
internal sealed class IdentityPins
{
    private readonly ConcurrentDictionary<string, string> _pins = new(StringComparer.Ordinal);
    private readonly string? _path;
    private readonly Lock _fileGate = new();

    public IdentityPins(string? path)
    {
        _path = path;
        if (path is null || !File.Exists(path))
            return;
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[1].Length == 130 && parts[1].All(Uri.IsHexDigit))
                _pins.TryAdd(parts[0], parts[1].ToLowerInvariant());
        }
    }

    /// <summary>True when <paramref name="identityKey"/> is the one pinned for <paramref name="providerId"/>, pinning it on first sight.</summary>
    public bool CheckOrPin(string providerId, byte[] identityKey, out string pinned)
    {
        var hex = Convert.ToHexStringLower(identityKey);
        pinned = _pins.GetOrAdd(providerId, hex);
        if (!string.Equals(pinned, hex, StringComparison.Ordinal))
            return false;
        if (_path != null && ReferenceEquals(pinned, hex))
            Persist(providerId, hex);
        return true;
    }

    private void Persist(string providerId, string hex)
    {
        lock (_fileGate)
        {
            if (Path.GetDirectoryName(_path) is { Length: > 0 } directory)
                Directory.CreateDirectory(directory);
            File.AppendAllText(_path!, $"{providerId} {hex}\n");
        }
    }
}
