using System.Text.Json;
using Umbra.Protocol.Hub;

namespace Umbra.Provider.Tests.Hub.Support;

internal static class HubMessages
{
    public static RequestMessage Request(string handle, string envelopeJson = """{"kid":"key-1","enc":"AAAA","ct":"BBBB"}""") =>
        new() { Handle = handle, Envelope = JsonDocument.Parse(envelopeJson).RootElement.Clone() };
}
