# Writes an unpacked Terraform provider filesystem mirror:
#   <MIRROR_DIR>/registry.terraform.io/local/ionos/<VERSION>/<PLATFORM>/terraform-provider-ionos_v<VERSION>
# so that `terraform init` installs the provider offline from a CLI configuration with
#   provider_installation { filesystem_mirror { path = "<MIRROR_DIR>" } }
#
#   cmake -DPROVIDER=<built binary> -DMIRROR_DIR=<dir> -DVERSION=<x.y.z> [-DPLATFORM=linux_amd64]
#         -P cmake/provider_mirror.cmake
# Used by the `mirror` target (CMakeLists.txt) and by tests/e2e/test_ecosystem.py.
foreach(var PROVIDER MIRROR_DIR VERSION)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "provider_mirror.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT EXISTS "${PROVIDER}")
  message(FATAL_ERROR "provider_mirror.cmake: ${PROVIDER} does not exist; build terraform-provider-ionos first")
endif()
if(NOT DEFINED PLATFORM OR "${PLATFORM}" STREQUAL "")
  # Terraform's names: <os>_<arch> with Go's GOOS/GOARCH spellings.
  string(TOLOWER "${CMAKE_HOST_SYSTEM_NAME}" os)
  cmake_host_system_information(RESULT arch QUERY OS_PLATFORM)
  if(arch MATCHES "^(x86_64|AMD64|amd64)$")
    set(arch amd64)
  elseif(arch MATCHES "^(aarch64|arm64|ARM64)$")
    set(arch arm64)
  elseif(arch MATCHES "^(i[3-6]86|x86)$")
    set(arch 386)
  elseif(arch MATCHES "^arm")
    set(arch arm)
  endif()
  set(PLATFORM "${os}_${arch}")
endif()

set(dir "${MIRROR_DIR}/registry.terraform.io/local/ionos/${VERSION}/${PLATFORM}")
set(dest "${dir}/terraform-provider-ionos_v${VERSION}")
file(MAKE_DIRECTORY "${dir}")
# A fresh copy (not a link): the lock file records the checksum of exactly this file.
file(COPY_FILE "${PROVIDER}" "${dest}" ONLY_IF_DIFFERENT)
file(CHMOD "${dest}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
     WORLD_READ WORLD_EXECUTE)
message(STATUS "Provider mirror: ${dest}")
