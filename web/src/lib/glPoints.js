// Round points with WebGL: one shader program and three vertex buffers (position in CSS
// pixels, colour, size). Written by hand rather than with regl, which compiles its commands
// with Function() and so cannot run under the page's Content-Security-Policy (no eval).

const VERTEX = `
attribute vec2 position; attribute vec4 color; attribute float size;
uniform vec2 viewport; varying vec4 vColor;
void main() {
  vColor = color;
  gl_PointSize = size;
  gl_Position = vec4(position.x / viewport.x * 2.0 - 1.0, 1.0 - position.y / viewport.y * 2.0, 0.0, 1.0);
}`;
const FRAGMENT = `
precision mediump float; varying vec4 vColor;
void main() {
  vec2 c = gl_PointCoord - 0.5; float r = dot(c, c);
  if (r > 0.25) discard;
  gl_FragColor = vec4(vColor.rgb, vColor.a * (r > 0.16 ? 0.75 : 1.0));  // a soft rim
}`;

function compile(gl, type, source) {
  const shader = gl.createShader(type);
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`WebGL shader: ${gl.getShaderInfoLog(shader)}`);
  return shader;
}

/** A renderer of points on `canvas`; null where WebGL is not available. */
export function createPointRenderer(canvas) {
  const gl = canvas.getContext('webgl', { antialias: true, preserveDrawingBuffer: true, premultipliedAlpha: false });
  if (!gl) return null;
  const program = gl.createProgram();
  gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, VERTEX));
  gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT));
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`WebGL program: ${gl.getProgramInfoLog(program)}`);
  const attributes = { position: 2, color: 4, size: 1 };
  const buffers = Object.fromEntries(Object.keys(attributes).map((name) => [name, gl.createBuffer()]));
  const viewport = gl.getUniformLocation(program, 'viewport');

  return {
    /** positions [2n] in CSS pixels of a width × height view, colors [4n] in 0..1, sizes [n] in device pixels */
    draw({ positions, colors, sizes, width, height }) {
      gl.viewport(0, 0, canvas.width, canvas.height);
      gl.clearColor(0, 0, 0, 0);
      gl.clear(gl.COLOR_BUFFER_BIT);
      gl.useProgram(program);
      gl.enable(gl.BLEND);
      gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
      const data = { position: positions, color: colors, size: sizes };
      for (const [name, components] of Object.entries(attributes)) {
        const location = gl.getAttribLocation(program, name);
        gl.bindBuffer(gl.ARRAY_BUFFER, buffers[name]);
        gl.bufferData(gl.ARRAY_BUFFER, data[name], gl.DYNAMIC_DRAW);
        gl.enableVertexAttribArray(location);
        gl.vertexAttribPointer(location, components, gl.FLOAT, false, 0, 0);
      }
      gl.uniform2f(viewport, width, height);
      gl.drawArrays(gl.POINTS, 0, sizes.length);
    },
    destroy() {
      for (const b of Object.values(buffers)) gl.deleteBuffer(b);
      gl.deleteProgram(program);
    },
  };
}
