namespace Saol.Rpc.Http2.Hpack;

/// <summary>
/// The FIFO dynamic table of RFC 7541 2.3.2 and 4: new entries go in front (index 0), the oldest
/// are evicted once the summed entry sizes would exceed <see cref="MaxSize"/>.
/// </summary>
internal sealed class DynamicTable
{
    // A ring buffer: an entry is at least 32 octets, so a 4 KiB table holds at most 128 of them,
    // and the ring avoids shifting every entry on each insertion.
    private HeaderField[] _entries = new HeaderField[16];
    private int _oldest;

    /// <summary>Creates an empty table whose size may not exceed <paramref name="maxSize"/>.</summary>
    public DynamicTable(int maxSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        MaxSize = maxSize;
    }

    /// <summary>The number of entries.</summary>
    public int Count { get; private set; }

    /// <summary>The sum of the entries' sizes (name + value + 32 each).</summary>
    public int Size { get; private set; }

    /// <summary>The size the entries may take; set by a dynamic table size update.</summary>
    public int MaxSize { get; private set; }

    /// <summary>The entry at <paramref name="index"/>: 0 is the newest, <see cref="Count"/> - 1 the oldest.</summary>
    public HeaderField this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return _entries[(_oldest + Count - 1 - index) % _entries.Length];
        }
    }

    /// <summary>
    /// Inserts <paramref name="field"/> as the newest entry, evicting the oldest ones to make room.
    /// An entry larger than <see cref="MaxSize"/> empties the table and is not inserted (RFC 7541 4.4).
    /// </summary>
    public void Add(HeaderField field)
    {
        var size = field.Size;
        if (size > MaxSize)
        {
            Clear();
            return;
        }
        while (Size + size > MaxSize)
        {
            EvictOldest();
        }
        if (Count == _entries.Length)
        {
            Grow();
        }
        _entries[(_oldest + Count) % _entries.Length] = field;
        Count++;
        Size += size;
    }

    /// <summary>Changes <see cref="MaxSize"/>, evicting the oldest entries until they fit (RFC 7541 4.3).</summary>
    public void SetMaxSize(int maxSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        MaxSize = maxSize;
        while (Size > MaxSize)
        {
            EvictOldest();
        }
    }

    private void EvictOldest()
    {
        Size -= _entries[_oldest].Size;
        _entries[_oldest] = default;
        _oldest = (_oldest + 1) % _entries.Length;
        Count--;
    }

    private void Clear()
    {
        Array.Clear(_entries);
        _oldest = 0;
        Count = 0;
        Size = 0;
    }

    private void Grow()
    {
        var grown = new HeaderField[_entries.Length * 2];
        for (var i = 0; i < Count; i++)
        {
            grown[i] = _entries[(_oldest + i) % _entries.Length];
        }
        _entries = grown;
        _oldest = 0;
    }
}
