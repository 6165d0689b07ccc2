package main

import (
	goflag "flag"

	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	// The client auth plugins kubectl links (OIDC; exec credential
	// plugins are built into client-go).
	_ "k8s.io/client-go/plugin/pkg/client/auth"
)

// kubeFlags are kubectl's connection flags (genericclioptions.ConfigFlags:
// --kubeconfig, --context, --namespace/-n, --server, --token, --as, ...)
// and its log level, -v (klog's, as kubectl registers it: 6 and up log
// the API requests).
type kubeFlags struct {
	config *genericclioptions.ConfigFlags
}

// register adds the flags to fs.
func (k *kubeFlags) register(fs *pflag.FlagSet) {
	k.config = genericclioptions.NewConfigFlags(true)
	k.config.AddFlags(fs)
	gfs := goflag.NewFlagSet("klog", goflag.ContinueOnError)
	klog.InitFlags(gfs)
	for _, name := range []string{"v", "vmodule"} {
		fs.AddGoFlag(gfs.Lookup(name))
	}
}

// verbose reports whether -v asks for level at least.
func verbose(level int) bool { return bool(klog.V(klog.Level(level)).Enabled()) }

// clients builds the REST config, a clientset and the namespace in force.
func (k *kubeFlags) clients() (*rest.Config, kubernetes.Interface, string, error) {
	cfg, err := k.config.ToRESTConfig()
	if err != nil {
		return nil, nil, "", usageErr("kubeconfig: %v", err)
	}
	ns, _, err := k.config.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, nil, "", usageErr("kubeconfig: %v", err)
	}
	cfg = rest.CopyConfig(cfg)
	cfg.UserAgent = "kubectl-secctx/" + version
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, "", usageErr("kubeconfig: %v", err)
	}
	return cfg, cs, ns, nil
}
