namespace GradingPortal.Worker.Grading;

/// <summary>The grading pipeline's services (Hangfire runs each job in a scope of its own).</summary>
internal static class GradingServiceCollectionExtensions
{
    public static IServiceCollection AddGrading(this IServiceCollection services)
    {
        services.AddScoped<GradingQueue>();
        services.AddScoped<Domain.Jobs.IGradingJobs, GradingJobs>();
        services.AddScoped<StartRunJob>();
        services.AddScoped<PrepareProblemJob>();
        services.AddScoped<GradeSliceJob>();
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
