namespace Umbra.Provider.Hub;

/// <summary>What <see cref="HubFrameReader.ReadAsync"/> found.</summary>
internal enum HubFrameKind
{
    /// <summary>A whole text message, in <see cref="HubFrameReader.Payload"/>.</summary>
    Text,

    /// <summary>The peer's close frame.</summary>
    Close,

    /// <summary>A binary message: the hub speaks JSON text only.</summary>
    Binary,

    /// <summary>A message over the size limit; its bytes were read and dropped.</summary>
    TooLarge,
}
