namespace GradingPortal.Web.Components.Fragments;
