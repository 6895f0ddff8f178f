using System.Runtime.InteropServices;

namespace Umbra.Inference.Tokenization;

/// <summary>
/// llama.cpp's detokenizer clean-up (clean_spaces, on for most GPT-2-style vocabularies), done as a
/// stream so that text decoded token by token equals text decoded at once. llama.cpp runs three
/// passes over the whole byte string; each is a local rewrite needing at most two bytes of look-ahead,
/// so each becomes a small state machine holding back only the bytes a later byte could still change:
/// <list type="number">
/// <item>a space before ? ! . , is removed;</item>
/// <item>" ' " becomes "'" (the second space is consumed and cannot start another match);</item>
/// <item>the space in " 's", " 'm", " 're", " 've" is removed (" 't", " 'd", " 'll" stay).</item>
/// </list>
/// </summary>
internal sealed class SpaceCleaner
{
    private readonly List<byte> _afterFirst = [];
    private readonly List<byte> _afterSecond = [];
    private readonly List<byte> _afterThird = [];

    private bool _heldSpace;     // pass 1: a space waiting for the next byte
    private int _second;         // pass 2: 0 nothing held, 1 " ", 2 " '"
    private int _third;          // pass 3: 0 nothing held, 1 " ", 2 " '", 3 " '" + _thirdLetter
    private byte _thirdLetter;

    /// <summary>Feeds bytes through the three passes; returns what is final (valid until the next call).</summary>
    public ReadOnlySpan<byte> Process(ReadOnlySpan<byte> input, bool flush)
    {
        _afterFirst.Clear();
        foreach (byte b in input)
            First(b);
        if (flush && _heldSpace)
        {
            _afterFirst.Add((byte)' ');
            _heldSpace = false;
        }

        _afterSecond.Clear();
        foreach (byte b in _afterFirst)
            Second(b);
        if (flush)
            FlushSecond();

        _afterThird.Clear();
        foreach (byte b in _afterSecond)
            Third(b);
        if (flush)
            FlushThird();

        return CollectionsMarshal.AsSpan(_afterThird);
    }

    private void First(byte b)
    {
        if (_heldSpace)
        {
            _heldSpace = false;
            if (b is not ((byte)'?' or (byte)'!' or (byte)'.' or (byte)','))
                _afterFirst.Add((byte)' ');
        }
        if (b == ' ')
            _heldSpace = true;
        else
            _afterFirst.Add(b);
    }

    private void Second(byte b)
    {
        var o = _afterSecond;
        switch (_second)
        {
            case 1:
                if (b == '\'')
                {
                    _second = 2;
                    return;
                }
                o.Add((byte)' ');
                _second = 0;
                break;
            case 2:
                _second = 0;
                if (b == ' ')
                {
                    o.Add((byte)'\'');
                    return;
                }
                o.Add((byte)' ');
                o.Add((byte)'\'');
                break;
        }
        if (b == ' ')
            _second = 1;
        else
            o.Add(b);
    }

    private void FlushSecond()
    {
        if (_second >= 1) _afterSecond.Add((byte)' ');
        if (_second == 2) _afterSecond.Add((byte)'\'');
        _second = 0;
    }

    private void Third(byte b)
    {
        var o = _afterThird;
        switch (_third)
        {
            case 1:
                if (b == '\'')
                {
                    _third = 2;
                    return;
                }
                o.Add((byte)' ');
                _third = 0;
                break;
            case 2:
                if (b is (byte)'s' or (byte)'m')
                {
                    o.Add((byte)'\'');
                    o.Add(b);
                    _third = 0;
                    return;
                }
                if (b is (byte)'r' or (byte)'v')
                {
                    _thirdLetter = b;
                    _third = 3;
                    return;
                }
                o.Add((byte)' ');
                o.Add((byte)'\'');
                _third = 0;
                break;
            case 3:
                _third = 0;
                if (b == 'e')
                {
                    o.Add((byte)'\'');
                    o.Add(_thirdLetter);
                    o.Add(b);
                    return;
                }
                o.Add((byte)' ');
                o.Add((byte)'\'');
                o.Add(_thirdLetter);
                break;
        }
        if (b == ' ')
            _third = 1;
        else
            o.Add(b);
    }

    private void FlushThird()
    {
        if (_third >= 1) _afterThird.Add((byte)' ');
        if (_third >= 2) _afterThird.Add((byte)'\'');
        if (_third == 3) _afterThird.Add(_thirdLetter);
        _third = 0;
    }
}
