namespace Umbra.Provider.Hub;

/// <summary>Where a <see cref="ProviderHubClient"/> stands with the coordinator.</summary>
public enum HubConnectionState
{
    /// <summary>Not started yet.</summary>
    Idle,

    /// <summary>Opening the WebSocket.</summary>
    Connecting,

    /// <summary>Sent <c>register</c>, waiting for <c>registered</c>.</summary>
    Registering,

    /// <summary>Registered: taking requests and sending heartbeats.</summary>
    Connected,

    /// <summary>Waiting out the backoff after a failed or lost connection.</summary>
    WaitingToReconnect,

    /// <summary>Refusing new requests, letting in-flight ones finish, then closing.</summary>
    Draining,

    /// <summary><see cref="ProviderHubClient.RunAsync"/> has returned; the client does not start again.</summary>
    Stopped,
}
