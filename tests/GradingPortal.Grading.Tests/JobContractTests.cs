using System.Reflection;
using GradingPortal.Domain.Jobs;
using Quartz;

namespace GradingPortal.Grading.Tests;

public sealed class JobContractTests
{
    [Fact]
    public void JobContracts_EveryTypeName_ResolvesToAWorkerJob()
    {
        var contracts = typeof(JobContracts).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(JobContract)).Select(f => (JobContract)f.GetValue(null)!).ToList();
        contracts.Select(c => c.Name).ShouldBe(["import", "start-run", "prepare-problem", "grade-slice"], ignoreOrder: true);
        foreach (var contract in contracts)
        {
            var type = Type.GetType(contract.TypeName);
            type.ShouldNotBeNull(contract.TypeName);
            typeof(IJob).IsAssignableFrom(type).ShouldBeTrue(contract.TypeName);
        }
    }
}
