using Umbra.Inference.Gguf;
using Umbra.Inference.Tensors;

namespace Umbra.Inference.Tests.Model;

/// <summary>Copies a GGUF file with some metadata replaced or removed and tensors dropped or retyped, to build broken models.</summary>
internal static class GgufRewrite
{
    public static void Copy(string source, string destination,
        IReadOnlyDictionary<string, GgufValue?>? metadata = null,
        Func<GgufTensorInfo, bool>? keepTensor = null,
        Func<GgufTensorInfo, GgmlType?>? retype = null)
    {
        using var file = GgufFile.Open(source);
        var writer = new GgufWriter();
        foreach (var (key, value) in file.Metadata)
        {
            if (metadata != null && metadata.TryGetValue(key, out var replacement))
            {
                if (replacement != null) writer.Add(key, replacement);
            }
            else
            {
                writer.Add(key, value);
            }
        }
        if (metadata != null)
        {
            foreach (var (key, value) in metadata)
            {
                if (value != null && !file.Metadata.ContainsKey(key)) writer.Add(key, value);
            }
        }
        foreach (var t in file.Tensors)
        {
            if (keepTensor != null && !keepTensor(t)) continue;
            var newType = retype?.Invoke(t);
            if (newType is GgmlType nt)
            {
                var (block, size) = GgmlTypeInfo.Geometry(nt);
                writer.AddTensor(t.Name, nt, t.Shape, new byte[t.ElementCount / block * size]);
            }
            else
            {
                writer.AddTensor(t.Name, t.Type, t.Shape, file.GetTensorData(t).ToArray());
            }
        }
        writer.WriteTo(destination);
    }
}
