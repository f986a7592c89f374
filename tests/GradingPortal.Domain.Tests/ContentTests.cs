using System.Security.Cryptography;
using System.Text;
using GradingPortal.Domain.Common;
using GradingPortal.Domain.Identity;
using GradingPortal.Domain.Problems;
using GradingPortal.Domain.Solutions;

namespace GradingPortal.Domain.Tests;

/// <summary>Problems, solutions and API tokens: the smaller rule sets.</summary>
public sealed class ContentTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid s_projectId = Guid.CreateVersion7();

    [Fact]
    public void ProblemCreate_Valid_KeepsReferencesInOrder()
    {
        var problem = Problem.Create(s_projectId, " P1 ", "Prove $x^2 \\ge 0$.", 7, " USAMO ", " p1 ", null,
            [("First proof.", " official "), ("Second proof.", null)], s_now);
        problem.Title.ShouldBe("P1");
        problem.Source.ShouldBe("USAMO");
        problem.ExternalId.ShouldBe("p1");
        problem.ReferenceSolutions.Select(r => (r.Ordinal, r.Text, r.Source)).ShouldBe([(0, "First proof.", "official"), (1, "Second proof.", "")]);
        problem.TakePendingAuditAction().ShouldBe("created");
    }

    [Fact]
    public void ProblemCreate_Invalid_ReportsEveryField()
    {
        var ex = Should.Throw<DomainValidationException>(() =>
            Problem.Create(s_projectId, " ", "", 0, null, new string('e', 201), null, [("ok", null), (" ", null)], s_now));
        ex.Errors.Keys.ShouldBe(["title", "statement", "maxPoints", "externalId", "referenceSolutions[1].text"], ignoreOrder: true);
        ex.Errors["title"].ShouldBe(["Title is required (at most 300 characters)."]);
    }

    [Fact]
    public void ProblemUpdate_MaxPointsOnceGraded_ReportsMaxPoints()
    {
        var problem = Problem.Create(s_projectId, "P1", "S", 7, null, null, null, [], s_now);
        Should.Throw<DomainValidationException>(() => problem.Update(null, null, 10, null, null, null, hasGrades: true, s_now))
            .Errors.Keys.ShouldBe(["maxPoints"]);
        problem.MaxPoints.ShouldBe(7);
        problem.Update("P1'", null, 10, null, null, null, hasGrades: false, s_now);
        (problem.Title, problem.MaxPoints, problem.Statement).ShouldBe(("P1'", 10, "S"));
        problem.Update(null, null, 10, null, null, null, hasGrades: true, s_now);
    }

    [Fact]
    public void ProblemDelete_Twice_KeepsTheFirstTime()
    {
        var problem = Problem.Create(s_projectId, "P1", "S", 7, null, null, null, [], s_now);
        problem.Delete(s_now);
        problem.Delete(s_now.AddDays(1));
        problem.DeletedAt.ShouldBe(s_now);
        problem.TakePendingAuditAction().ShouldBe("deleted");
    }

    [Fact]
    public void SolutionCreate_Valid_TrimsAuthorAndEmptiesToNull()
    {
        var solution = Solution.Create(s_projectId, Guid.CreateVersion7(), "text", "  gpt-x ", "  ", s_now);
        solution.Author.ShouldBe("gpt-x");
        solution.ExternalId.ShouldBeNull();
        Solution.Create(s_projectId, Guid.CreateVersion7(), "text", " ", null, s_now).Author.ShouldBeNull();
    }

    [Fact]
    public void SolutionCreate_Invalid_ReportsEveryField()
    {
        var ex = Should.Throw<DomainValidationException>(() =>
            Solution.Create(s_projectId, Guid.CreateVersion7(), " ", new string('a', 201), new string('e', 201), s_now));
        ex.Errors.Keys.ShouldBe(["text", "author", "externalId"], ignoreOrder: true);
    }

    [Fact]
    public void ApiTokenIssue_Name_GivesPrefixedSecretStoredOnlyAsItsHash()
    {
        var userId = Guid.CreateVersion7();
        var (token, secret) = ApiToken.Issue(userId, "  export script ", s_now);

        secret.ShouldStartWith(ApiToken.SecretPrefix);
        secret.Length.ShouldBe(ApiToken.SecretPrefix.Length + 43); // 32 random bytes, base64url without padding
        secret[ApiToken.SecretPrefix.Length..].ShouldAllBe(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_');
        token.Name.ShouldBe("export script");
        token.UserId.ShouldBe(userId);
        token.Hint.ShouldBe(secret[..10]);
        token.SecretHash.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret))));
        token.SecretHash.ShouldNotContain(secret[ApiToken.SecretPrefix.Length..]);
        token.IsActive.ShouldBeTrue();
        ApiToken.Hash(secret).ShouldBe(token.SecretHash);
    }

    [Fact]
    public void ApiTokenIssue_TwoTokens_HaveDifferentSecrets()
    {
        var (a, secretA) = ApiToken.Issue(Guid.CreateVersion7(), "a", s_now);
        var (b, secretB) = ApiToken.Issue(Guid.CreateVersion7(), "a", s_now);
        secretA.ShouldNotBe(secretB);
        a.SecretHash.ShouldNotBe(b.SecretHash);
        a.Id.ShouldNotBe(b.Id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void ApiTokenIssue_WithoutName_ReportsName(string? name)
    {
        Should.Throw<DomainValidationException>(() => ApiToken.Issue(Guid.CreateVersion7(), name!, s_now)).Errors.Keys.ShouldBe(["name"]);
    }

    [Fact]
    public void ApiTokenIssue_NameOver100_ReportsName()
    {
        Should.Throw<DomainValidationException>(() => ApiToken.Issue(Guid.CreateVersion7(), new string('n', 101), s_now)).Errors.Keys.ShouldBe(["name"]);
        Should.NotThrow(() => ApiToken.Issue(Guid.CreateVersion7(), new string('n', 100), s_now));
    }

    [Fact]
    public void ApiTokenRevoke_Twice_KeepsTheFirstTimeAndIsInactive()
    {
        var (token, _) = ApiToken.Issue(Guid.CreateVersion7(), "t", s_now);
        token.Revoke(s_now.AddHours(1));
        token.Revoke(s_now.AddHours(2));
        token.RevokedAt.ShouldBe(s_now.AddHours(1));
        token.IsActive.ShouldBeFalse();
        token.TakePendingAuditAction().ShouldBe("revoked");
    }
}
