using System.Text;

namespace Umbra.Inference.Generation;

/// <summary>
/// Holds back output that might be the start of a stop sequence, and cuts the text where one appears.
/// </summary>
internal sealed class StopSequenceFilter
{
    private readonly string[] _stops;
    private readonly StringBuilder _pending = new();

    public StopSequenceFilter(IReadOnlyList<string> stops) => _stops = stops.Where(s => s.Length > 0).ToArray();

    /// <summary>Adds generated text; returns what can be shown now, and whether a stop sequence was hit.</summary>
    public (string Text, bool Stopped) Push(string text)
    {
        if (_stops.Length == 0) return (text, false);
        _pending.Append(text);
        string all = _pending.ToString();
        int cut = -1;
        foreach (var stop in _stops)
        {
            int i = all.IndexOf(stop, StringComparison.Ordinal);
            if (i >= 0 && (cut < 0 || i < cut)) cut = i;
        }
        if (cut >= 0)
        {
            _pending.Clear();
            return (all[..cut], true);
        }
        int hold = 0;
        foreach (var stop in _stops)
        {
            for (int len = Math.Min(stop.Length - 1, all.Length); len > hold; len--)
            {
                if (all.AsSpan(all.Length - len).SequenceEqual(stop.AsSpan(0, len)))
                {
                    hold = len;
                    break;
                }
            }
        }
        _pending.Clear();
        _pending.Append(all, all.Length - hold, hold);
        return (all[..^hold], false);
    }

    /// <summary>Whatever was held back, at the end of generation.</summary>
    public string Flush()
    {
        string rest = _pending.ToString();
        _pending.Clear();
        return rest;
    }
}
