// Package e2eutil is what secctx's end-to-end tiers (package e2e, the
// kubelet tier e2e/kubelet, the cluster tier e2e/cluster) and the deploy
// kit's tests share: finding the module root, building the static binaries
// they put into containers and the image trees around them, the node lock,
// skipping or failing on a missing prerequisite, and the parts of secctx's
// reports, lint findings and golden files they decode. Only tests import
// it.
package e2eutil
