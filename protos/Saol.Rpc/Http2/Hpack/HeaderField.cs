namespace Saol.Rpc.Http2.Hpack;

/// <summary>One name/value pair of a header table; both are Latin-1, one char per octet.</summary>
internal readonly record struct HeaderField(string Name, string Value)
{
    /// <summary>What RFC 7541 4.1 adds to the octet lengths for an entry's bookkeeping.</summary>
    public const int EntryOverhead = 32;

    /// <summary>The entry's size as RFC 7541 4.1 counts it: name and value octets plus 32.</summary>
    public int Size => Name.Length + Value.Length + EntryOverhead;
}
