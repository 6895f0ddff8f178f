namespace Umbra.Provider.Hub;

/// <summary>Why an in-flight request was cancelled; decides whether the client reports it to the coordinator.</summary>
internal enum HubCancelReason
{
    None,

    /// <summary>The coordinator sent <c>cancel</c> or <c>error</c>: it already knows, nothing to report.</summary>
    Coordinator,

    /// <summary>A drain ran out of time: reported as <see cref="HubErrorCodes.ProviderShutdown"/>.</summary>
    Shutdown,
}
