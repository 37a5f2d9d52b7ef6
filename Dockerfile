# Container image of the service. Build from the repository root:
#   docker build -t spacelift-proxy .
# The image runs as the non-root user the .NET images provide and listens on port 8080.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /source
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/SpaceliftProxy/SpaceliftProxy.csproj src/SpaceliftProxy/
COPY src/SpaceliftProxy.FakeSpacelift/SpaceliftProxy.FakeSpacelift.csproj src/SpaceliftProxy.FakeSpacelift/
RUN dotnet restore src/SpaceliftProxy/SpaceliftProxy.csproj
COPY src/ src/
RUN dotnet publish src/SpaceliftProxy/SpaceliftProxy.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_gcServer=0
EXPOSE 8080
USER $APP_UID
ENTRYPOINT ["dotnet", "SpaceliftProxy.dll"]
