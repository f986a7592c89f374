using System.Text;
using System.Text.Json;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Pages.Solutions;

namespace GradingPortal.Web.Tests;

/// <summary>
/// The solution the prerender hands to its circuit (<see cref="PrerenderedSolution"/>): it comes back whole, it is a
/// fraction of its JSON's size, and bytes that are not such a solution give nothing instead of an error.
/// </summary>
public sealed class PrerenderedSolutionTests
{
    private static SolutionResponse Solution()
    {
        // A proof in the shape of the bench's: LaTeX paragraphs of about 20 KB, fifty annotations on it.
        var text = new StringBuilder();
        for (var i = 0; text.Length < 20_000; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"Step {i}: since $a_{{{i}}} \\le \\frac{{b_{i}}}{{c + {i}}}$, summing over $k$ gives $\\sum_k a_k \\ge {i}$.\n\n");
        }
        var solution = new SolutionResponse
        {
            Id = Guid.NewGuid(),
            ProjectId = Guid.NewGuid(),
            ProblemId = Guid.NewGuid(),
            Text = text.ToString(),
            Author = null,
            ExternalId = "imo-2024-p1-7",
            EvidenceLevel = "expert",
            CreatedAt = DateTimeOffset.Parse("2026-11-02T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            Problem = new SolutionProblemResponse { Title = "Sums", Statement = "Show that $\\sum a_k \\ge n$.", MaxPoints = 7 },
            Permissions = new SolutionPermissions { CanAnnotate = true, CanGrade = true, Role = "admin", HiddenGradeCount = 2 },
            NextSolutionId = Guid.NewGuid(),
        };
        solution.Annotations = [.. Enumerable.Range(0, 50).Select(i => new AnnotationResponse
        {
            Id = Guid.NewGuid(), SolutionId = solution.Id, Start = i * 300, End = i * 300 + 40, Quote = solution.Text.Substring(i * 300, 40),
            ErrorType = "logical-error", Severity = "major", Comment = $"Comment {i}: the bound does not follow.", Origin = "human",
            Review = "none", AuthorName = "Grader", RowVersion = i + 1, CanEdit = true,
        })];
        return solution;
    }

    [Fact]
    public void Unpack_OfPack_GivesTheSameSolution()
    {
        var solution = Solution();

        var restored = PrerenderedSolution.Unpack(PrerenderedSolution.Pack(solution));

        restored.ShouldNotBeNull();
        JsonSerializer.Serialize(restored).ShouldBe(JsonSerializer.Serialize(solution));
        restored.Author.ShouldBeNull();
        restored.Annotations.Count.ShouldBe(50);
        restored.Permissions.HiddenGradeCount.ShouldBe(2);
    }

    [Fact]
    public void Pack_ProofOf20KbWith50Annotations_IsUnderAThirdOfItsJson()
    {
        var solution = Solution();

        var packed = PrerenderedSolution.Pack(solution);

        // What the page persisted before: the solution's JSON as the framework writes it.
        var json = JsonSerializer.SerializeToUtf8Bytes(solution, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        packed.Length.ShouldBeLessThan(json.Length / 3);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 1, 2, 3 })]
    [InlineData(new byte[] { 16, 0, 0, 0, 1, 2, 3, 4, 5 })]
    [InlineData(new byte[] { 255, 255, 255, 127, 1, 2, 3, 4, 5 })]
    public void Unpack_BytesThatAreNotAPackedSolution_GivesNull(byte[] bytes)
    {
        PrerenderedSolution.Unpack(bytes).ShouldBeNull();
    }
}
