/* For tests/bench/checkers_bench.sh on a kernel without IPVS: keepalived's checker process
 * exits at start-up when it finds no IPVS (the "IPVS" generic netlink family is missing, then
 * getsockopt(IP_VS_SO_GET_INFO) fails and modprobe ip_vs fails). Preloaded into keepalived
 * (LD_PRELOAD), this answers the IPVS socket options the way an empty IPVS table would, and
 * accepts every change without doing it, so that keepalived runs its health checkers as it
 * would on a director. Only IP_VS_* options at level SOL_IP are answered; everything else goes
 * to libc. Never used by the tests, only by the benchmark, and only when the kernel has no IPVS.
 *
 *   cc -shared -fPIC -O2 -o fake_ipvs.so fake_ipvs.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <linux/ip_vs.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

static int is_ipvs(int level, int optname) {
  return level == SOL_IP && optname >= IP_VS_BASE_CTL && optname <= IP_VS_BASE_CTL + 15;
}

int getsockopt(int fd, int level, int optname, void* optval, socklen_t* optlen) {
  static int (*real)(int, int, int, void*, socklen_t*);
  if (!is_ipvs(level, optname)) {
    if (!real) real = (int (*)(int, int, int, void*, socklen_t*))dlsym(RTLD_NEXT, "getsockopt");
    return real(fd, level, optname, optval, optlen);
  }
  if (optval && optlen) memset(optval, 0, *optlen);
  if (optname == IP_VS_SO_GET_INFO && optval && *optlen >= sizeof(struct ip_vs_getinfo)) {
    struct ip_vs_getinfo* info = optval;
    info->version = 0x010201; /* 1.2.1, the kernel's IPVS version */
    info->size = 4096;        /* connection table size */
    info->num_services = 0;
  }
  if (optname == IP_VS_SO_GET_VERSION && optval && *optlen > 0) {
    strncpy(optval, "IP Virtual Server version 1.2.1 (size=4096)", *optlen - 1);
  }
  return 0;
}

int setsockopt(int fd, int level, int optname, const void* optval, socklen_t optlen) {
  static int (*real)(int, int, int, const void*, socklen_t);
  if (!is_ipvs(level, optname)) {
    if (!real)
      real = (int (*)(int, int, int, const void*, socklen_t))dlsym(RTLD_NEXT, "setsockopt");
    return real(fd, level, optname, optval, optlen);
  }
  return 0;
}
