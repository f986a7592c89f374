using GradingPortal.Web.ApiClient;

namespace GradingPortal.Web.Tests;

/// <summary>How a converted page turns the generated client's exceptions into a message and field errors.</summary>
public sealed class ApiErrorTests
{
    private static readonly Dictionary<string, IEnumerable<string>> s_noHeaders = [];

    [Fact]
    public void From_ValidationProblem_KeepsFieldErrorsWhateverTheKeysCase()
    {
        var problem = new HttpValidationProblemDetails
        {
            Title = "One or more fields are invalid.",
            Errors = new Dictionary<string, IReadOnlyList<string>> { ["MaxPoints"] = ["Between 1 and 100.", "A whole number."] },
        };

        var error = ApiError.From(new ApiException<HttpValidationProblemDetails>("Bad Request", 400, "{}", s_noHeaders, problem, null));

        error.Status.ShouldBe(400);
        error.HasFieldErrors.ShouldBeTrue();
        error.For("maxPoints").ShouldBe("Between 1 and 100. A whole number.");
        error.For("name").ShouldBeNull();
    }

    [Fact]
    public void From_ProblemWithDetail_ShowsTheApisDetail()
    {
        var problem = new ProblemDetails { Title = "Conflict", Detail = "The project changed since you read it." };

        var error = ApiError.From(new ApiException<ProblemDetails>("Conflict", 409, "{}", s_noHeaders, problem, null));

        error.Message.ShouldBe("The project changed since you read it.");
        error.HasFieldErrors.ShouldBeFalse();
    }

    [Fact]
    public void From_UndocumentedStatusWithoutBody_FallsBackToAReadableMessage()
    {
        var error = ApiError.From(new ApiException("Forbidden", 403, null, s_noHeaders, null));

        error.Message.ShouldBe("Your role does not allow this.");
    }
}
