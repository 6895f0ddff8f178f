namespace Umbra.Inference.Model;

/// <summary>A GGUF file is well-formed but cannot be run: unsupported architecture or weight type, a missing or misshapen tensor.</summary>
public sealed class ModelLoadException : Exception
{
    public ModelLoadException(string message) : base(message)
    {
    }

    public ModelLoadException(string message, Exception inner) : base(message, inner)
    {
    }

    public ModelLoadException()
    {
    }
}
