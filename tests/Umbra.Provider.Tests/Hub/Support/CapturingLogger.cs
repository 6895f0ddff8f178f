using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Umbra.Provider.Tests.Hub.Support;

/// <summary>Keeps every log line, at every level, so tests can check what was and was not logged.</summary>
internal sealed class CapturingLogger : ILogger
{
    private readonly ConcurrentQueue<(LogLevel Level, string Text)> _entries = new();

    public IReadOnlyList<(LogLevel Level, string Text)> Entries => [.. _entries];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter)
    {
        // The exception is part of what would reach a log sink, so it is captured too.
        var text = formatter(state, exception) + (exception is null ? "" : " | " + exception);
        _entries.Enqueue((logLevel, text));
    }
}
