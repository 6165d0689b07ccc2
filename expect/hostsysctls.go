package expect

import "github.com/secctx/secctx/manifest"

// ParseHostSysctls parses the value of a profile's HostSysctlsAnnotation
// the way the resolver does (a JSON list of {name, value}), so that secctx
// lint predicts exactly the sysctls the resolver will expect.
func ParseHostSysctls(v string) ([]manifest.Sysctl, error) { return hostSysctls(v) }
