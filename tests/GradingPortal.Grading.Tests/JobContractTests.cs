using System.Reflection;
using GradingPortal.Domain.Jobs;
using Hangfire;

namespace GradingPortal.Grading.Tests;

public sealed class JobContractTests
{
    private static readonly Type[] s_contracts = [typeof(IGradingJobs), typeof(IImportJobs)];

    [Fact]
    public void JobContracts_EveryInterface_IsImplementedByAWorkerClass()
    {
        var worker = typeof(Worker.Grading.GradingJobs).Assembly;
        foreach (var contract in s_contracts)
        {
            worker.GetTypes().Count(t => t is { IsClass: true, IsAbstract: false } && contract.IsAssignableFrom(t)).ShouldBe(1, contract.Name);
        }
    }

    [Fact]
    public void JobContracts_EveryMethod_CarriesQueueRetryAndDeduplicationFilters()
    {
        foreach (var method in s_contracts.SelectMany(c => c.GetMethods()))
        {
            var queue = method.GetCustomAttribute<QueueAttribute>();
            queue.ShouldNotBeNull(method.Name);
            JobQueues.All.ShouldContain(queue.Queue, method.Name);
            method.GetCustomAttribute<AutomaticRetryAttribute>().ShouldNotBeNull(method.Name);
            method.GetCustomAttribute<SkipWhenPendingAttribute>().ShouldNotBeNull(method.Name);
        }
    }

    [Fact]
    public void JobContracts_EveryArgument_IsAnIdOrACancellationToken()
    {
        // What a job carries is what the dashboard shows: ids and slice numbers only, never keys or proof text.
        foreach (var parameter in s_contracts.SelectMany(c => c.GetMethods()).SelectMany(m => m.GetParameters()))
        {
            new[] { typeof(Guid), typeof(int), typeof(CancellationToken) }.ShouldContain(parameter.ParameterType, parameter.Name);
        }
    }

    [Fact]
    public void SkipWhenPending_KeyOf_IgnoresTheCancellationTokenAndKeepsEveryId()
    {
        var runProblem = Guid.NewGuid();
        var key = SkipWhenPendingAttribute.KeyOf(Hangfire.Common.Job.FromExpression<IGradingJobs>(j => j.GradeSlice(runProblem, 3, CancellationToken.None)));
        key.ShouldBe($"gp:pending:IGradingJobs.GradeSlice:{runProblem}:3");
    }
}
