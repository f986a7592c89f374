namespace GradingPortal.Web.Components.Pages.Problems;

/// <summary>
/// Maps a grid's page numbers onto a keyset-paged list (the Api's <c>after</c> cursor). Page 0 starts at the beginning;
/// the cursor of page n+1 is learnt when page n arrives, so a page can be asked for once the one before it was seen.
/// Changing the page size forgets every cursor: they were counted in the old size.
/// </summary>
public sealed class CursorPages
{
    private readonly List<Guid?> _starts = [null];
    private int _pageSize;

    /// <summary>The cursor to ask with for <paramref name="page"/>, or false when the page before it was never seen.</summary>
    public bool TryGetCursor(int page, int pageSize, out Guid? after)
    {
        if (pageSize != _pageSize)
        {
            _pageSize = pageSize;
            _starts.RemoveRange(1, _starts.Count - 1);
        }
        after = null;
        if (page < 0 || page >= _starts.Count)
        {
            return false;
        }
        after = _starts[page];
        return true;
    }

    /// <summary>Records where the page after <paramref name="page"/> starts: after its last item, if the Api has more.</summary>
    public void Seen(int page, Guid? lastId, bool hasMore)
    {
        if (!hasMore || lastId is null || page + 1 < _starts.Count && _starts[page + 1] == lastId)
        {
            return;
        }
        if (page + 1 < _starts.Count)
        {
            // The list changed under us (a solution was deleted): later cursors no longer line up.
            _starts.RemoveRange(page + 1, _starts.Count - page - 1);
        }
        if (page + 1 == _starts.Count)
        {
            _starts.Add(lastId);
        }
    }

    /// <summary>The highest page number that can be asked for now.</summary>
    public int LastReachablePage => _starts.Count - 1;
}
