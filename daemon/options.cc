// Command line: filled in by the daemon shell.
namespace vigil::daemon {}
