namespace Umbra.Inference.Templates.Jinja.Runtime;

/// <summary>A method looked up on a value (<c>content.strip</c>), called later through <see cref="Methods"/>.</summary>
internal sealed record BoundMethod(object Target, string Name);
