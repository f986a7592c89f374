namespace GradingPortal.Web.ApiClient;

/// <summary>
/// How a page calls the Api: the generated client's refusals (<see cref="ApiException"/>) and a missing answer
/// (<see cref="HttpRequestException"/>) become an <see cref="ApiError"/> the page shows, so no page repeats the catch
/// blocks and none forgets one of them. Other exceptions are bugs and still reach the circuit's error boundary.
/// </summary>
public static class ApiCall
{
    /// <summary>Runs one call; null when it succeeded, otherwise what the page should say.</summary>
    public static async Task<ApiError?> TryAsync(Func<Task> call)
    {
        try
        {
            await call();
            return null;
        }
        catch (ApiException ex)
        {
            return ApiError.From(ex);
        }
        catch (HttpRequestException)
        {
            return ApiError.Unreachable;
        }
    }

    /// <summary>Runs one call that answers; the value, or the error the page should show instead.</summary>
    public static async Task<(T? Value, ApiError? Error)> TryAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return (await call(), null);
        }
        catch (ApiException ex)
        {
            return (default, ApiError.From(ex));
        }
        catch (HttpRequestException)
        {
            return (default, ApiError.Unreachable);
        }
    }
}

/// <summary>
/// A page's or form's actions that change something: one at a time (a second click while the first is on its way does
/// nothing), the error of the last one, and <see cref="Busy"/> for disabling buttons meanwhile.
/// </summary>
public sealed class ApiActions
{
    public bool Busy { get; private set; }

    /// <summary>Runs <paramref name="action"/> unless another is running; its refusal goes to <paramref name="setError"/>
    /// (cleared first), so the form that asked shows it and keeps what was typed.</summary>
    public async Task RunAsync(Func<Task> action, Action<ApiError?> setError)
    {
        if (Busy)
        {
            return;
        }
        Busy = true;
        setError(null);
        try
        {
            if (await ApiCall.TryAsync(action) is { } error)
            {
                setError(error);
            }
        }
        finally
        {
            Busy = false;
        }
    }
}
