using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using GradingPortal.Web.ApiClient;

namespace GradingPortal.Web.Components.Pages.Solutions;

/// <summary>
/// The solution as the prerender hands it to the circuit in the page's persisted state (ADR 018's amendment): its JSON,
/// compressed with Brotli at its fastest setting. The framework writes persisted values as JSON, base64-encodes that,
/// protects it and base64-encodes it again; the solution as it was (a 20 KB proof, its annotations) made an 87 KB state on
/// every prerendered page, whose base64 strings landed on the large object heap, and each such request brought the next
/// full collection nearer. Compressed, the proof's LaTeX shrinks to about a quarter.
/// </summary>
public static class PrerenderedSolution
{
    // Nulls are the DTOs' defaults; leaving them out changes nothing on reading.
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    // Quality 1 of 11: a few times faster than the default, and the proof's text still compresses well.
    private const int Quality = 1;
    private const int Window = 22;

    // The length of the JSON before compression, as a little-endian prefix: the reader sizes its buffer from it.
    private const int PrefixBytes = sizeof(int);

    // A length no solution has (the Api takes up to a million characters, a few MB of JSON) means the bytes are not one
    // of ours: refused before anything is allocated for it.
    private const int MaxJsonBytes = 32 * 1024 * 1024;

    /// <summary>The solution's JSON, compressed, with its uncompressed length in front.</summary>
    public static byte[] Pack(SolutionResponse solution)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(solution, s_json);
        var buffer = ArrayPool<byte>.Shared.Rent(PrefixBytes + BrotliEncoder.GetMaxCompressedLength(json.Length));
        try
        {
            BinaryPrimitives.WriteInt32LittleEndian(buffer, json.Length);
            if (!BrotliEncoder.TryCompress(json, buffer.AsSpan(PrefixBytes), out var written, Quality, Window))
            {
                throw new InvalidOperationException("Brotli could not compress the prerendered solution.");
            }
            return buffer.AsSpan(0, PrefixBytes + written).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The solution <see cref="Pack"/> made, or null when the bytes are not such a solution.</summary>
    public static SolutionResponse? Unpack(byte[]? packed)
    {
        if (packed is null || packed.Length <= PrefixBytes)
        {
            return null;
        }
        var length = BinaryPrimitives.ReadInt32LittleEndian(packed);
        if (length is <= 0 or > MaxJsonBytes)
        {
            return null;
        }
        var json = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            if (!BrotliDecoder.TryDecompress(packed.AsSpan(PrefixBytes), json, out var written) || written != length)
            {
                return null;
            }
            return JsonSerializer.Deserialize<SolutionResponse>(json.AsSpan(0, length), s_json);
        }
        catch (JsonException)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(json);
        }
    }
}
