namespace GradingPortal.Domain.Evaluation;

/// <summary>
/// The bootstrap's random draws: SplitMix64, seeded per resample from (seed, resample index), so a resample's draws do
/// not depend on which thread runs it or in what order. Written out here rather than taken from <see cref="Random"/>
/// because the sequence must stay the same across runtime versions for "fixed seed" to mean anything.
/// </summary>
internal struct BootstrapRandom
{
    private ulong _state;

    public BootstrapRandom(ulong seed, int resample)
    {
        // Hash the pair so that neighbouring resamples start far apart on the Weyl sequence instead of one step apart.
        _state = Finalize(seed ^ Finalize(0x9E3779B97F4A7C15UL * (ulong)(resample + 1)));
    }

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        var z = _state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, <paramref name="bound"/>) without modulo bias (Lemire's multiply-and-reject).</summary>
    public int Next(int bound)
    {
        var n = (ulong)bound;
        var high = Math.BigMul(NextUInt64(), n, out var low);
        if (low < n)
        {
            var threshold = (0UL - n) % n;
            while (low < threshold)
            {
                high = Math.BigMul(NextUInt64(), n, out low);
            }
        }
        return (int)high;
    }

    /// <summary>MurmurHash3's 64-bit finalizer.</summary>
    private static ulong Finalize(ulong x)
    {
        x ^= x >> 33;
        x *= 0xFF51AFD7ED558CCDUL;
        x ^= x >> 33;
        x *= 0xC4CEB9FE1A85EC53UL;
        return x ^ (x >> 33);
    }
}
