using GradingPortal.Jobs;

namespace GradingPortal.Worker.Grading;

/// <summary>The grading pipeline's services (the jobs themselves are created by Quartz per execution, in a scope).</summary>
internal static class GradingServiceCollectionExtensions
{
    public static IServiceCollection AddGrading(this IServiceCollection services)
    {
        services.AddScoped<JobQueue>();
        services.AddScoped<StageCaller>();
        services.AddScoped<ClusterReferencesStage>();
        services.AddScoped<ExtractStepsStage>();
        services.AddScoped<AnalyseReferenceStage>();
        services.AddScoped<DeriveRubricStage>();
        services.AddScoped<GradeStage>();
        services.AddScoped<ArtifactStore>();
        services.AddScoped<ProblemPreparation>();
        services.AddScoped<RunProgress>();
        services.AddScoped<SolutionGrader>();
        services.AddScoped<SliceRunner>();
        services.AddSingleton<GradingCapacity>();
        services.AddSingleton<RunStatusCache>();
        return services;
    }
}
