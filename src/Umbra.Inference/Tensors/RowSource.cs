namespace Umbra.Inference.Tensors;

/// <summary>
/// Where a tile loop reads a row's weights (<see cref="Q8WideTiles"/>, <see cref="KTiles"/>): from the blocks in
/// place, or from a copy packed once for every tile of a prompt's vectors. A type parameter, not an argument, so that
/// each source gets its own loop: with the choice made at run time inside the loop, the JIT kept fewer registers for
/// either, and 8 vectors of Q4_0 ran about 10 % slower on Zen 4.
/// </summary>
internal interface IRowSource
{
    /// <summary>Whether the weights come packed rather than from the blocks in place.</summary>
    static abstract bool Packed { get; }
}

/// <summary>The two <see cref="IRowSource"/>s.</summary>
internal static class RowSource
{
    /// <summary>The row's blocks, in place.</summary>
    public readonly struct InPlace : IRowSource
    {
        public static bool Packed => false;
    }

    /// <summary>The row's packed copy (<see cref="Q8WideTiles.Pack{TBlocks}"/>, <see cref="KTiles"/>' pack).</summary>
    public readonly struct Packed : IRowSource
    {
        static bool IRowSource.Packed => true;
    }
}
