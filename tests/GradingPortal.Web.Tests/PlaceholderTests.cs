namespace GradingPortal.Web.Tests;
