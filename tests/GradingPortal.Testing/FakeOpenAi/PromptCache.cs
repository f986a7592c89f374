namespace GradingPortal.Testing.FakeOpenAi;

/// <summary>
/// Simulates providers' prompt caching: the cached part of a prompt is its longest prefix, in whole blocks of
/// <see cref="BlockChars"/> characters, that an earlier prompt began with. Each block prefix is remembered as a chained
/// 64-bit hash, so a lookup costs one pass over the prompt however many prompts came before.
/// </summary>
internal sealed class PromptCache
{
    /// <summary>About 64 tokens at 4 characters a token; providers cache in fixed increments of that order.</summary>
    public const int BlockChars = 256;

    private readonly HashSet<ulong> _prefixes = [];
    private readonly Lock _lock = new();

    /// <summary>Characters of <paramref name="prompt"/> already seen as a prefix; then remembers this prompt's prefixes.</summary>
    public int Observe(string prompt)
    {
        var blocks = prompt.Length / BlockChars;
        var hashes = new ulong[blocks];
        var hash = 14695981039346656037UL;
        for (var b = 0; b < blocks; b++)
        {
            foreach (var c in prompt.AsSpan(b * BlockChars, BlockChars))
            {
                hash = (hash ^ c) * 1099511628211UL;
            }
            hashes[b] = hash;
        }
        lock (_lock)
        {
            var cached = 0;
            while (cached < blocks && _prefixes.Contains(hashes[cached]))
            {
                cached++;
            }
            foreach (var h in hashes)
            {
                _prefixes.Add(h);
            }
            return cached * BlockChars;
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _prefixes.Clear();
        }
    }
}
