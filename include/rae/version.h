/* The version of rae, as `rae --version` prints it and HAR files name their creator. */
#ifndef RAE_VERSION_H
#define RAE_VERSION_H

#define RAE_VERSION "0.1.0"

#endif
