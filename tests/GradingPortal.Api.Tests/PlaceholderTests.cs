namespace GradingPortal.Api.Tests;
