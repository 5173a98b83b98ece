// skyjoin's memory map: one read-only, shared mapping of a file region as an
// external ArrayBuffer, unmapped when the buffer is collected. 64-bit offsets
// and lengths (the mmap addons on npm take 32-bit ints, capping files at 2 GiB).
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <node_api.h>

#define CHECK(call)                                                    \
  do {                                                                 \
    if ((call) != napi_ok) {                                           \
      napi_throw_error(env, "SKYJOIN_MMAP", "N-API call failed: " #call); \
      return NULL;                                                     \
    }                                                                  \
  } while (0)

static void unmap(napi_env env, void* data, void* hint) {
  (void)env;
  munmap(data, (size_t)(uintptr_t)hint);
}

// map(fd, offset, length, random) -> ArrayBuffer; offset must be page aligned.
static napi_value Map(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, "SKYJOIN_MMAP", "map(fd, offset, length[, random]) needs 3 arguments");
    return NULL;
  }
  int32_t fd;
  int64_t offset, length;
  bool random = false;
  CHECK(napi_get_value_int32(env, args[0], &fd));
  CHECK(napi_get_value_int64(env, args[1], &offset));
  CHECK(napi_get_value_int64(env, args[2], &length));
  if (argc > 3) CHECK(napi_get_value_bool(env, args[3], &random));
  if (offset < 0 || length <= 0) {
    napi_throw_range_error(env, "SKYJOIN_MMAP", "offset must be >= 0 and length > 0");
    return NULL;
  }
  void* p = mmap(NULL, (size_t)length, PROT_READ, MAP_SHARED, fd, (off_t)offset);
  if (p == MAP_FAILED) {
    napi_throw_error(env, "SKYJOIN_MMAP", strerror(errno));
    return NULL;
  }
  if (random) madvise(p, (size_t)length, MADV_RANDOM);
  napi_value result;
  if (napi_create_external_arraybuffer(env, p, (size_t)length, unmap, (void*)(uintptr_t)length, &result) != napi_ok) {
    munmap(p, (size_t)length);
    napi_throw_error(env, "SKYJOIN_MMAP", "cannot wrap the mapping in an ArrayBuffer");
    return NULL;
  }
  return result;
}

static napi_value PageSize(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  CHECK(napi_create_int64(env, (int64_t)sysconf(_SC_PAGESIZE), &v));
  return v;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  CHECK(napi_create_function(env, "map", NAPI_AUTO_LENGTH, Map, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "map", fn));
  CHECK(napi_create_function(env, "pageSize", NAPI_AUTO_LENGTH, PageSize, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "pageSize", fn));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
