using Microsoft.Diagnostics.Runtime;

namespace GradingPortal.Bench.Web;

/// <summary>
/// What is live in the Web process, by type, with exact sizes. dotnet-gcdump's report cannot give this: its byte column
/// is one object's size per type (and arrays and strings are split into size classes), so only its totals and counts
/// hold. This attaches to the process (paused while it reads), marks every object reachable from the runtime's roots and
/// adds up their sizes per type. Taken right after a gcdump, whose full collection left little garbage, and unreachable
/// objects are not counted anyway.
/// </summary>
internal static class HeapWalk
{
    private const string ComponentState = "Microsoft.AspNetCore.Components.Rendering.ComponentState";

    public static LiveTypes Take(int pid)
    {
        using var target = DataTarget.AttachToProcess(pid, suspend: true);
        using var runtime = CreateRuntime(target.ClrVersions[0]);
        var heap = runtime.Heap;
        var seen = new HashSet<ulong>();
        var pending = new Stack<ClrObject>();
        // Who reached each object first, and how each root is held: enough to say what keeps a dynamic method alive.
        var parents = new Dictionary<ulong, ulong>();
        var rootKinds = new Dictionary<ulong, string>();
        var dynamicMethods = new List<ClrObject>();
        foreach (var root in heap.EnumerateRoots())
        {
            if (root.Object.IsValid && seen.Add(root.Object.Address))
            {
                pending.Push(root.Object);
                rootKinds[root.Object.Address] = root.RootKind.ToString();
            }
        }
        var types = new Dictionary<string, (long Bytes, long Count)>();
        var components = new Dictionary<string, (long Bytes, long Count)>();
        var strings = new Dictionary<string, (long Bytes, long Count)>();
        long total = 0;
        while (pending.Count > 0)
        {
            var obj = pending.Pop();
            var name = obj.Type?.Name ?? "<unknown>";
            var size = (long)obj.Size;
            total += size;
            var known = types.GetValueOrDefault(name);
            types[name] = (known.Bytes + size, known.Count + 1);
            if (obj.Type?.IsString == true && size >= 2048)
            {
                // Large strings by how they start: enough to tell a proof from a stylesheet or a JSON answer.
                var text = obj.AsString(64) ?? "";
                var head = new string([.. text.Select(c => char.IsControl(c) ? ' ' : c)]);
                var s = strings.GetValueOrDefault(head);
                strings[head] = (s.Bytes + size, s.Count + 1);
            }
            if (name == DynamicMethod)
            {
                dynamicMethods.Add(obj);
            }
            if (obj.Type is { } type && IsComponentState(type))
            {
                var (component, bytes) = RenderTreeBytes(obj);
                var c = components.GetValueOrDefault(component);
                components[component] = (c.Bytes + bytes, c.Count + 1);
            }
            foreach (var child in obj.EnumerateReferences(carefully: false, considerDependantHandles: true))
            {
                if (child.IsValid && seen.Add(child.Address))
                {
                    parents[child.Address] = obj.Address;
                    pending.Push(child);
                }
            }
        }
        var owners = new Dictionary<string, (long Bytes, long Count)>();
        foreach (var method in dynamicMethods)
        {
            var owner = Holders(heap, method.Address, parents, rootKinds);
            var o = owners.GetValueOrDefault(owner);
            owners[owner] = (o.Bytes + (long)method.Size, o.Count + 1);
        }
        return new LiveTypes(total, types, components, strings, owners);
    }

    private const string DynamicMethod = "System.Reflection.Emit.DynamicMethod";

    /// <summary>
    /// What holds the object, in short: on the way from a root to it, the serializer metadata of the outermost type it
    /// serves (System.Text.Json's accessors hang off a JsonTypeInfo), then the first holders past the collections and
    /// delegates between them (whose serializer options), or, for anything else, the nearest holders and the root's kind.
    /// </summary>
    private static string Holders(ClrHeap heap, ulong address, Dictionary<ulong, ulong> parents, Dictionary<ulong, string> rootKinds)
    {
        var near = new List<string>();
        string? served = null;
        var owners = new List<string>();
        var current = address;
        for (var hops = 0; hops < 80 && parents.TryGetValue(current, out var parent); hops++)
        {
            current = parent;
            var type = heap.GetObjectType(current)?.Name ?? "?";
            if (type.StartsWith("System.Collections.", StringComparison.Ordinal) || type.EndsWith("[]", StringComparison.Ordinal)
                || type.StartsWith("System.Func", StringComparison.Ordinal) || type.StartsWith("System.Action", StringComparison.Ordinal)
                || type.StartsWith("System.Reflection.Emit.", StringComparison.Ordinal) || type.Contains("+CachingContext", StringComparison.Ordinal))
            {
                continue;
            }
            if (type.StartsWith("System.Text.Json.Serialization.Metadata.JsonTypeInfo", StringComparison.Ordinal) && owners.Count == 0)
            {
                served = type;
                continue;
            }
            if (served is not null || owners.Count > 0 || type.StartsWith("System.Text.Json.JsonSerializerOptions", StringComparison.Ordinal))
            {
                if (!type.StartsWith("System.Text.Json.Serialization.Metadata.", StringComparison.Ordinal) && !owners.Contains(Short(type)))
                {
                    owners.Add(Short(type));
                }
                if (owners.Count >= 3)
                {
                    break;
                }
                continue;
            }
            if (near.Count < 4 && !near.Contains(Short(type)))
            {
                near.Add(Short(type));
            }
        }
        if (served is null)
        {
            return $"{string.Join(" <- ", near)} <- root {rootKinds.GetValueOrDefault(current, "?")}";
        }
        // A circuit's JS runtime is reached through several of its objects (the runtime, the renderer's interop methods,
        // services holding the runtime): one group for all of them.
        var metadata = $"serializer metadata of {served["System.Text.Json.Serialization.Metadata.JsonTypeInfo".Length..]}";
        return owners.Any(o => o.Contains("JSRuntime", StringComparison.Ordinal) || o.Contains("WebRenderer", StringComparison.Ordinal))
            ? $"{metadata} for a circuit's JS interop"
            : $"{metadata} in {string.Join(" <- ", owners)}";
    }

    // Namespaces off, generic arguments kept: "JsonPropertyInfo<GradingPortal...Span>" says more than its namespace.
    private static string Short(string type)
    {
        var generic = type.IndexOf('<');
        var head = generic < 0 ? type : type[..generic];
        var dot = head.LastIndexOf('.');
        return dot < 0 ? type : type[(dot + 1)..];
    }

    // The debugging library ships next to the runtime; ClrMD does not always find it there on its own on Linux.
    private static ClrRuntime CreateRuntime(ClrInfo clr)
    {
        var local = Path.Combine(Path.GetDirectoryName(clr.ModuleInfo.FileName) ?? "", "libmscordaccore.so");
        return File.Exists(local) ? clr.CreateRuntime(local, ignoreMismatch: true) : clr.CreateRuntime();
    }

    private static bool IsComponentState(ClrType type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (t.Name == ComponentState)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// A component's type and what its state keeps for rendering: the frame arrays of its current and next render trees,
    /// the attribute-name dictionaries they keep after splatting attributes, and its last parameters.
    /// </summary>
    private static (string Component, long Bytes) RenderTreeBytes(ClrObject state)
    {
        var component = Field(state, "<Component>k__BackingField");
        long bytes = 0;
        foreach (var builderField in (string[])["<CurrentRenderTree>k__BackingField", "_nextRenderTree"])
        {
            var builder = Field(state, builderField);
            if (builder is not { } b)
            {
                continue;
            }
            bytes += (long)b.Size + Deep(Field(b, "_entries"), "_items");
            if (Field(b, "_seenAttributeNames") is { } names)
            {
                bytes += (long)names.Size + Size(Field(names, "_entries")) + Size(Field(names, "_buckets"));
            }
        }
        bytes += Deep(Field(state, "_latestDirectParametersSnapshot"), "_items");
        return (component?.Type?.Name ?? "<unknown>", bytes);
    }

    private static long Deep(ClrObject? holder, string arrayField) =>
        holder is { } h ? (long)h.Size + Size(Field(h, arrayField)) : 0;

    private static long Size(ClrObject? obj) => obj is { } o ? (long)o.Size : 0;

    private static ClrObject? Field(ClrObject obj, string name)
    {
        if (obj.Type?.GetFieldByName(name) is null)
        {
            return null;
        }
        var value = obj.ReadObjectField(name);
        return value.IsValid && !value.IsNull ? value : null;
    }
}

/// <summary>
/// Live bytes and objects per type; per component type what its render trees keep; strings of 2 KB and more by their
/// first 64 characters; dynamic methods by what holds them.
/// </summary>
internal sealed record LiveTypes(
    long Total,
    Dictionary<string, (long Bytes, long Count)> Types,
    Dictionary<string, (long Bytes, long Count)> Components,
    Dictionary<string, (long Bytes, long Count)> LargeStrings,
    Dictionary<string, (long Bytes, long Count)> DynamicMethods);
