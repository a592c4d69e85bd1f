/**
 * Where the kubelet expects its plugins (k8s.io/kubelet pkg/apis/pluginregistration and
 * pkg/apis/deviceplugin), and this driver's default name. Kept free of imports so the command
 * line can show them in its help without loading the plugins.
 */

/** The kubelet's plugin-registration directory. */
export const DEFAULT_REGISTRY_DIR = '/var/lib/kubelet/plugins_registry';
/** The kubelet's plugins directory: the DRA socket is `<dir>/<driver>/dra.sock`. */
export const DEFAULT_PLUGINS_DIR = '/var/lib/kubelet/plugins';
/** The kubelet's device-plugin directory (`kubelet.sock` and the plugins' sockets). */
export const DEFAULT_DEVICE_PLUGIN_DIR = '/var/lib/kubelet/device-plugins';
/** The DRA driver name (a DNS subdomain, as resource.k8s.io requires). */
export const DEFAULT_DRIVER = 'gpu.vgpuctl.io';
