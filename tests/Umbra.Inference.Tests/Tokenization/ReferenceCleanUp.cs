namespace Umbra.Inference.Tests.Tokenization;

/// <summary>
/// llama.cpp's detokenizer clean-up (llama_vocab::impl::detokenize, clean_spaces) written the way
/// llama.cpp writes it: three in-place passes over the whole byte string. The streaming implementation
/// is checked against this.
/// </summary>
internal static class ReferenceCleanUp
{
    public static byte[] Apply(byte[] input)
    {
        var text = (byte[])input.Clone();
        int total = text.Length;

        // Pass 1: " ?", " !", " .", " ," lose the space.
        int total1 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total1; i++)
        {
            byte x = text[i];
            if (text[i - 1] == ' ' && x is (byte)'?' or (byte)'!' or (byte)'.' or (byte)',')
                total--;
            text[total++] = x;
        }

        // Pass 2: " ' " becomes "'".
        int total2 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total2; i++)
        {
            byte x = text[i];
            if (x == '\'' && i + 1 < total2 && text[i - 1] == ' ' && text[i + 1] == ' ')
            {
                total--;
                text[++i] = 0;
            }
            text[total++] = x;
        }

        // Pass 3: " 's", " 'm", " 're", " 've" lose the space.
        int total3 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total3; i++)
        {
            byte x = text[i];
            if (text[i - 1] == ' ' && x == '\'' && i + 1 < total3)
            {
                byte x1 = text[i + 1];
                if (x1 is (byte)'s' or (byte)'m')
                    total--;
                else if (x1 is not ((byte)'t' or (byte)'d') && i + 2 < total3)
                {
                    byte x2 = text[i + 2];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e'))
                        total--;
                }
            }
            text[total++] = x;
        }
        return text[..total];
    }
}
