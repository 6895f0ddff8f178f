using System.Security.Cryptography;

namespace Umbra.Provider.Identity;

/// <summary>
/// The provider's stable id, kept in its data directory so that a restarted provider registers as the same
/// one. The id is public (it names the provider to the coordinator); the inference keys are not kept on disk.
/// </summary>
public static class ProviderIdentity
{
    public const string FileName = "provider-id";

    /// <summary>Reads the id from <paramref name="dataDirectory"/>, creating the directory and a fresh id on first use.</summary>
    /// <exception cref="IOException">The file holds something other than an id this code wrote.</exception>
    public static string LoadOrCreateProviderId(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        Directory.CreateDirectory(dataDirectory);
        string path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            string id = File.ReadAllText(path).Trim();
            return IsValid(id) ? id : throw new IOException($"The provider id file {path} is not a provider id; delete it to make a new one.");
        }
        string fresh = "prov-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        File.WriteAllText(path, fresh + "\n");
        return fresh;
    }

    private static bool IsValid(string id) =>
        id.Length is > 0 and <= 128 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
